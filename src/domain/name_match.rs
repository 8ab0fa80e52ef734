//! Finding an outlet by what a clerk types: part of its Chinese name, its
//! code, or the pinyin initials of its name (`yz` → 扬州).
//!
//! iced's own combo box keeps only ASCII letters and digits of a query, so a
//! Chinese query matched everything; this matcher is the project's own.

/// Pinyin initials of common characters (GB2312 level 1) in Chinese place
/// and outlet names. Where a character has two readings, the one used in
/// place names wins (长沙 chang, 重庆 chong, 厦门 xia, 乐山 le): a character
/// is looked up in the first group that holds it.
const INITIALS: &[(char, &str)] = &[
    ('a', "安鞍阿艾爱澳昂敖奥"),
    (
        'b',
        "北白百包宝保滨本蚌亳毕八巴霸坝板半邦帮堡报贝兵并博渤伯泊布步部埠办扳彬碧边汴宾标表别备杯",
    ),
    (
        'c',
        "长朝重常成承城池赤楚滁川潮昌沧茶厂充崇巢陈辰郴澄程春慈从崔村存仓苍曹草岑柴产场畅车晨称乘持驰冲出初除储处传船窗创吹垂纯词次聪丛翠材财采彩菜蔡参层插查察差超尘诚吃尺虫抽绸筹厨础触穿串床闯炊锤唇醇瓷磁辞此刺赐粗促醋催脆寸措错",
    ),
    (
        'd',
        "大德东丹都达代戴单当党岛道稻得灯邓低堤滴迪底地弟帝典点电店殿淀钓调丁顶鼎定订冬董动洞斗豆督独读杜度渡端段断缎堆队对敦墩顿多朵",
    ),
    ('e', "鄂额恩儿尔二峨俄鹅"),
    (
        'f',
        "佛福抚阜富奉凤丰肥汾芳房防纺放飞非菲分芬坊方封峰锋蜂冯逢夫扶服浮符涪府釜辅付妇复傅赴发法帆番繁凡樊反范饭泛费粉份奋风枫伏",
    ),
    (
        'g',
        "广贵桂赣甘固古港高格公工共国郭管关光归鼓盖改干杆钢岗纲皋糕稿告哥歌阁革葛个各根耕更庚弓功攻供宫恭巩拱贡沟钩构购估姑孤谷股骨故顾瓜挂观官冠馆贯灌罐规硅轨鬼柜滚锅果过",
    ),
    (
        'h',
        "河邗湖海合和华黄淮衡鹤呼哈汉杭邯菏惠怀红洪鸿后侯葫虎户沪花化画话环桓皇徽辉回会汇浑火货获霍号豪好浩何荷核贺赫黑恒横弘宏虹厚候忽胡壶互护滑槐欢还缓换荒凰恢挥灰绘慧昏婚混活伙或寒韩罕汗旱焊航",
    ),
    (
        'j',
        "江吉济嘉金锦晋荆九景靖津京佳建鸡焦揭介界街节杰姐解今斤紧进近劲经精井颈静境镜久酒旧救就局菊橘举巨句聚卷绢觉决绝军君均俊郡峻基机积激极集级即急己纪技季既继际寄加家夹甲价驾架假尖坚间兼监俭检简碱见件剑健舰渐践鉴键箭将姜浆讲奖匠降酱交郊娇胶椒蕉角脚缴叫轿较教阶皆接捷截竭戒届借巾筋仅谨尽浸禁茎惊晶睛鲸警净径竞竟敬纠究居拘鞠矩拒具俱剧惧据距捐倦诀掘冀蓟",
    ),
    (
        'k',
        "昆开喀康克库宽矿奎魁凯恳孔口扣苦块快况坤阔卡看抗考靠科棵颗壳可渴刻客课肯坑空控哭酷夸跨筷款狂旷框亏葵困扩括廓",
    ),
    (
        'l',
        "兰乐丽连辽临柳龙洛泸漯娄吕六聊廊凉莱来赖蓝澜郎朗浪劳老雷垒类冷梨黎李里理力历立利励例隶荔栗粒联莲廉练炼链良梁粮两亮量疗料列烈猎林邻鳞灵玲凌铃陵菱岭领令另刘流留琉硫隆垄楼漏卢芦炉鲁陆录鹿路露驴旅铝律率绿轮论罗萝逻骆落拉腊蜡辣琅陇耒涟溧醴潞蔺",
    ),
    (
        'm',
        "马梅茂牡眉绵闽明蒙米孟苗民敏名莫漠墨默木目牧墓幕慕暮穆麻码买迈麦卖脉满曼漫忙芒茫猫毛矛茅锚卯冒贸帽貌没玫枚媒煤每美门萌盟猛梦迷秘密蜜眠棉免勉面描秒妙庙灭皿鸣铭命模膜摩磨魔末沫陌谋某母亩姆睦岷闵汨沔",
    ),
    (
        'n',
        "南宁内那纳乃奶奈耐男难囊脑闹嫩能尼泥你逆年念娘酿鸟捏您凝牛扭纽农浓弄奴努怒女暖诺聂",
    ),
    ('o', "欧鸥偶藕瓯"),
    (
        'p',
        "平蒲莆濮盘攀萍彭蓬鹏浦普朴潘庞判盼畔旁胖抛炮袍跑泡培陪赔佩配喷盆朋棚膨捧碰批披皮疲脾匹片偏篇票拼贫频品聘乒坪苹凭瓶评屏坡婆迫破剖铺仆扑葡谱瀑沛邳郫鄱",
    ),
    (
        'q',
        "青秦泉庆曲衢黔钦琼齐七启旗祁奇其棋崎起气汽器恰千迁牵铅谦签前钱潜浅欠枪强墙抢桥乔侨巧切且亲琴勤轻倾清情晴请穷丘秋求球区驱渠取去趣圈全权拳犬劝缺却确鹊群裙谯沁邛綦乾",
    ),
    (
        'r',
        "日瑞荣容如汝乳入软锐润若弱然燃染让饶扰绕惹热人仁忍认任仍绒溶融柔肉儒辱睿茹",
    ),
    (
        's',
        "上沈深苏石松三山汕陕商韶邵绍十寿首双顺朔思四宋宿遂随绥嵩沙市省司事手生盛赛塞散桑色森僧杀纱砂晒删衫闪扇善伤赏尚烧稍勺少哨舌蛇舍设社射涉摄申伸身神审肾甚渗慎升声牲胜绳圣剩尸失师诗施狮湿时识实拾食史使始驶士氏世示式侍势视试饰室是适释收守受授售兽瘦书叔殊梳舒疏输蔬熟暑属署鼠蜀薯术束述树竖数刷衰帅霜爽谁水税睡说丝私斯撕死寺似饲送诵颂搜艘俗诉肃素速塑酸蒜算虽岁碎穗孙损笋缩所索锁嵊泗睢沭濉",
    ),
    (
        't',
        "天台太唐泰通铜潼桐滕铁田亭同吐土团屯他她它塔踏胎抬态贪摊滩坛谈潭坦叹探汤堂塘糖倘躺烫趟涛逃桃陶淘讨套特疼腾藤梯提题体替添甜填挑条跳贴厅听庭停挺艇童统桶筒痛偷头投透突图徒途涂屠兔推腿退吞托拖脱驼妥拓郯洮邰",
    ),
    (
        'w',
        "武温芜无吴乌威潍渭魏文闻卫万宛皖婺梧五伍物王网旺望危微为围维伟尾未位味畏胃慰纹稳问翁窝我沃卧握污屋午舞务误悟雾挖蛙娃瓦袜歪外弯湾丸完玩顽挽晚碗汪亡往忘巫汶",
    ),
    (
        'x',
        "西厦湘襄咸孝新信邢徐许宣薛兴香祥象萧小晓欣星行休修秀须仙先县现线夏下峡霞鲜闲显险限乡相箱详享响想向项巷消销校笑效些歇协鞋写谢心辛腥刑形型醒杏幸性姓凶兄胸雄熊羞绣袖虚需序叙绪续悬旋选学雪血寻巡询循训讯迅息希析溪锡熙习席洗喜戏系细虾狭吓纤贤衔嫌宪陷献腺翔像橡忻莘岫盱旬浔荥",
    ),
    (
        'y',
        "扬宜义银营阳盐延烟玉榆岳云运鹰永英余雅亚益伊颍禹元原园远源圆越粤月岩沿炎研颜眼演艳燕央杨洋仰养样腰邀尧姚窑摇遥药要耀爷也冶野业叶页夜液一衣医依仪夷移遗疑乙已以艺忆议亦异役译易疫谊意毅翼因阴音引饮隐印应婴樱迎盈蝇赢影映硬拥庸泳勇涌用优忧幽悠尤由邮犹油游友有又右幼诱于予鱼娱渔愉虞愚与宇羽雨语育郁狱浴预域欲遇御裕愈誉渊员援缘院愿约阅悦跃匀允晕韵孕压呀鸦鸭牙芽崖哑淹严言阎衍掩厌宴验焰雁沂弋邕攸鄞郓兖沅郧",
    ),
    (
        'z',
        "浙郑中淄遵株珠漳湛肇镇庄自资枣张章昭沾招兆照遮哲者这针珍真枕诊阵振震争征整正证政症之支汁芝枝知织肢脂直值职植殖止只旨纸指至志制治质致秩智置忠终钟肿种众州舟周洲粥轴宙昼皱骤朱诸猪蛛竹烛逐主煮嘱住助注驻柱祝著筑抓爪专砖转赚装壮状撞追准捉桌着姿滋子紫仔字宗综棕踪总纵走奏租足族阻组祖钻嘴最罪醉尊昨左作坐座做杂灾栽宰载再在咱暂赞脏葬遭糟早澡灶皂造噪燥躁责择泽怎增赠扎渣闸炸榨摘宅窄债寨粘展占战站涨掌丈仗帐账胀障找召罩赵折蔗涿秭邹樟",
    ),
];

/// The pinyin initial of `c`, if it is in the table.
pub fn initial(c: char) -> Option<char> {
    INITIALS
        .iter()
        .find(|(_, chars)| chars.contains(c))
        .map(|(letter, _)| *letter)
}

/// What a label is matched against: its lower-case text and the initials
/// of its characters (ASCII letters and digits kept as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchKey {
    text: String,
    initials: String,
}

impl MatchKey {
    /// Builds the key for `label` once, so typing stays fast on long lists.
    pub fn new(label: &str) -> MatchKey {
        let text = label.to_lowercase();
        let initials = initials_of(&text);
        MatchKey { text, initials }
    }

    /// The heap bytes the key holds.
    pub fn bytes(&self) -> usize {
        self.text.capacity() + self.initials.capacity()
    }

    /// Whether every space-separated part of `query` is found in the label,
    /// either as written (Chinese, a code) or, for letters, as initials.
    /// An empty query matches nothing: nothing was asked.
    pub fn matches(&self, query: &str) -> bool {
        matches(&self.text, &self.initials, &query.to_lowercase())
    }
}

/// The initials of a lower-case label's characters (ASCII letters and
/// digits kept as they are): a [`MatchKey`]'s second half.
pub fn initials_of(lower: &str) -> String {
    lower
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c)
            } else {
                initial(c)
            }
        })
        .collect()
}

/// [`MatchKey::matches`] on a key kept elsewhere (`text` lower-case, its
/// `initials`), for a `query` already in lower case.
pub fn matches(text: &str, initials: &str, query: &str) -> bool {
    let mut parts = query.split_whitespace().peekable();
    if parts.peek().is_none() {
        return false;
    }
    parts.all(|part| {
        text.contains(part)
            || (part.chars().all(|c| c.is_ascii_alphanumeric()) && initials.contains(part))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_parts_of_a_name_match() {
        let yz = MatchKey::new("扬州江都营业部 (JS-YZ-02)");
        let bj = MatchKey::new("北京朝阳营业部 (BJ-CY)");
        assert!(yz.matches("扬州"));
        assert!(yz.matches("江都"));
        assert!(!bj.matches("扬州"));
        assert!(yz.matches("扬州 营业部"));
        assert!(!yz.matches("扬州 朝阳"));
    }

    #[test]
    fn codes_and_pinyin_initials_match() {
        let yz = MatchKey::new("扬州江都营业部 (JS-YZ-02)");
        let bj = MatchKey::new("北京朝阳营业部 (BJ-CY)");
        assert!(yz.matches("js-yz"));
        assert!(yz.matches("JS-YZ"));
        assert!(yz.matches("yz"));
        assert!(yz.matches("yzjd"));
        assert!(!bj.matches("yz"));
        assert!(bj.matches("bjcy"));
        // Place-name readings of characters with two.
        assert!(MatchKey::new("长沙营业部").matches("cs"));
        assert!(MatchKey::new("重庆分公司").matches("cq"));
        assert!(MatchKey::new("厦门办事处").matches("xm"));
    }

    #[test]
    fn an_empty_query_matches_nothing() {
        assert!(!MatchKey::new("扬州").matches(""));
        assert!(!MatchKey::new("扬州").matches("   "));
    }

    #[test]
    fn every_character_of_the_demo_outlet_names_has_an_initial() {
        let names = "总公司江苏分公司南京办事处扬州办事处扬州邗江营业部扬州江都营业部\
                     浙江分公司杭州办事处杭州萧山营业部北京分公司北京朝阳营业部北京海淀营业部\
                     福建分公司厦门办事处泉州办事处泉州晋江营业部";
        let missing: String = names.chars().filter(|c| initial(*c).is_none()).collect();
        assert_eq!(missing, "");
    }

    #[test]
    fn no_character_is_listed_twice_under_one_letter() {
        for (letter, chars) in INITIALS {
            let mut seen = std::collections::HashSet::new();
            for c in chars.chars() {
                assert!(seen.insert(c), "{c} twice under {letter}");
            }
        }
    }
}
